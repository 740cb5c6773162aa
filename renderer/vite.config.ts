import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

/**
 * Standalone build of the renderer, for checks outside electron-vite:
 *   npx vite build renderer        -> out/renderer (index.html + assets, relative paths so file:// works)
 *   npx vite renderer              -> dev server (open it with #token=... from a running host)
 * The components are TypeScript render functions (see docs/desktop-ui.md); the Vue plugin is here
 * so that single-file components would also build.
 */
export default defineConfig({
  plugins: [vue()],
  base: './',
  build: {
    outDir: '../out/renderer',
    emptyOutDir: true,
    target: 'chrome120',
    chunkSizeWarningLimit: 600,
  },
});
