import { defineStore } from 'pinia';
import { computed, ref, watchEffect } from 'vue';
import { readPref, writePref } from '../util/prefs';

export type ThemeChoice = 'system' | 'light' | 'dark';

/** Look and feel: the theme (follows the system unless the trader picks one). */
export const useUiStore = defineStore('ui', () => {
  const stored = readPref('theme');
  const theme = ref<ThemeChoice>(stored === 'light' || stored === 'dark' ? stored : 'system');
  const media = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null;
  const systemDark = ref(media?.matches ?? false);
  media?.addEventListener?.('change', (e) => {
    systemDark.value = e.matches;
  });
  const resolved = computed<'light' | 'dark'>(() =>
    theme.value === 'system' ? (systemDark.value ? 'dark' : 'light') : theme.value,
  );

  watchEffect(() => {
    if (typeof document !== 'undefined') document.documentElement.dataset.theme = resolved.value;
  });

  function setTheme(choice: ThemeChoice): void {
    theme.value = choice;
    writePref('theme', choice);
  }

  /** The header's toggle: flips between light and dark. */
  function toggle(): void {
    setTheme(resolved.value === 'dark' ? 'light' : 'dark');
  }

  return { theme, resolved, setTheme, toggle };
});
