import { existsSync } from 'node:fs';
import { defineConfig } from '@playwright/test';

/**
 * End-to-end tests of the built renderer in Chromium, through the headless host's loopback
 * WebSocket with a real engine. On this kind of machine Chromium comes from Debian
 * (/usr/bin/chromium; `npx playwright install` cannot download here); elsewhere Playwright's own
 * Chromium is used.
 */
const debianChromium = '/usr/bin/chromium';

export default defineConfig({
  testDir: 'tests/e2e',
  testMatch: '**/*.spec.ts',
  timeout: 90_000,
  fullyParallel: false,
  workers: 1,
  reporter: [['list']],
  outputDir: 'test-results/playwright',
  use: {
    headless: true,
    viewport: { width: 1440, height: 900 },
    launchOptions: {
      ...(existsSync(debianChromium) ? { executablePath: debianChromium } : {}),
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
});
