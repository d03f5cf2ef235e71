import type { Theme } from 'vitepress';
import DefaultTheme from 'vitepress/theme';
import { defineAsyncComponent } from 'vue';
import ConventionsTable from './components/ConventionsTable.vue';
import PendingChanges from './components/PendingChanges.vue';
import './custom.css';

export default {
  extends: DefaultTheme,
  enhanceApp({ app }) {
    app.component('ConventionsTable', ConventionsTable);
    app.component('PendingChanges', PendingChanges);
    // The data components bundle generated JSON and pictures: loaded only by
    // the pages that use them.
    app.component(
      'BenchTables',
      defineAsyncComponent(() => import('./components/BenchTables.vue')),
    );
    app.component(
      'ConformanceTable',
      defineAsyncComponent(() => import('./components/ConformanceTable.vue')),
    );
    app.component(
      'ExperimentFigures',
      defineAsyncComponent(() => import('./components/ExperimentFigures.vue')),
    );
    app.component(
      'ExperimentResults',
      defineAsyncComponent(() => import('./components/ExperimentResults.vue')),
    );
    app.component(
      'Playground',
      defineAsyncComponent(() => import('./components/Playground.vue')),
    );
    app.component(
      'TfjsWebglDemo',
      defineAsyncComponent(() => import('./components/TfjsWebglDemo.vue')),
    );
    // Trains in the reader's browser (onnxruntime-web), loaded when its page is.
    app.component(
      'OrtFineTune',
      defineAsyncComponent(() => import('./components/OrtFineTune.vue')),
    );
  },
} satisfies Theme;
