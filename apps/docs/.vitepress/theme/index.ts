import type { Theme } from 'vitepress';
import DefaultTheme from 'vitepress/theme';
import { defineAsyncComponent } from 'vue';
import ConventionsTable from './components/ConventionsTable.vue';
import PendingChanges from './components/PendingChanges.vue';
import './custom.css';

// The data components bundle generated JSON and pictures, and the demos train
// in the reader's browser (tfjs on WebGL, onnxruntime-web): each is loaded only
// by the pages that use it.
const LAZY = {
  BenchTables: () => import('./components/BenchTables.vue'),
  ConformanceTable: () => import('./components/ConformanceTable.vue'),
  ExperimentFigures: () => import('./components/ExperimentFigures.vue'),
  ExperimentResults: () => import('./components/ExperimentResults.vue'),
  Playground: () => import('./components/Playground.vue'),
  TfjsWebglDemo: () => import('./components/TfjsWebglDemo.vue'),
  OrtFineTune: () => import('./components/OrtFineTune.vue'),
};

export default {
  extends: DefaultTheme,
  enhanceApp({ app }) {
    app.component('ConventionsTable', ConventionsTable);
    app.component('PendingChanges', PendingChanges);
    for (const [name, load] of Object.entries(LAZY)) app.component(name, defineAsyncComponent(load));
  },
} satisfies Theme;
