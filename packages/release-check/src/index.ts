/**
 * `@adamw/release-check`: the checks a release must pass, as a library for
 * the test suite and `scripts/release.mjs`.
 *
 * @packageDocumentation
 */
export { checkChangesetConfig, pendingReleases, readWorkspaceBuildPolicy, type WorkspaceBuildPolicy } from './changesets.js';
export { consumerDependencies, consumerExtras, smokeDir } from './consumers.js';
export { SMOKE_FIXTURE, smokeFixture, type SmokeFixture } from './fixture.js';
export { FRAMEWORK_PATTERN, checkDependencyPolicy } from './dependencies.js';
export { consumerEnv, createConsumerProject, runConsumerScript } from './install.js';
export { attwTarball, publintTarball } from './lint.js';
export { MIN_NODE, checkManifest, checkPackageFiles, formatProblems, isPublished, type Problem } from './manifest.js';
export { buildPackage, formatBytes, packPackage, readFromTarball, tarballBytes, type PackedPackage } from './pack.js';
export { registryStatus, type RegistryStatus } from './registry.js';
export { CORE_GZIP_BUDGET, CORE_STEP_GZIP_BUDGET, measureBundle, measureImport, type BundleSize } from './size.js';
export { PUBLIC_PACKAGES, ROOT, publicPackage, readManifest, type Manifest, type PackageRole, type PublicPackage } from './workspace.js';
