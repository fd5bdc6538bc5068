import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

export default defineConfig({
  main: {
    // The training process entry is built beside main so utilityProcess can fork out/main/trainer.js.
    build: {
      rollupOptions: {
        input: { index: resolve('src/main/index.ts'), trainer: resolve('src/trainer/main.ts') },
      },
    },
  },
  preload: {
    // A sandboxed preload cannot be an ES module: emit CommonJS.
    build: {
      rollupOptions: {
        input: { index: resolve('src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'src/renderer',
    build: { rollupOptions: { input: { index: resolve('src/renderer/index.html') } } },
    plugins: [svelte()],
  },
});
