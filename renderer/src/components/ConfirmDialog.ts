import { defineComponent, h, nextTick, onBeforeUnmount, ref, watch, type PropType } from 'vue';

let dialogSeq = 0;

const FOCUSABLE =
  'button:not([disabled]), [href], input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/**
 * A modal confirmation: focus moves into it (to Cancel, so Enter never confirms by accident),
 * Tab and Shift+Tab stay inside, Escape or a click on the backdrop cancels, and focus returns to
 * the button that opened it.
 */
export const ConfirmDialog = defineComponent({
  name: 'ConfirmDialog',
  props: {
    open: { type: Boolean, required: true },
    title: { type: String, required: true },
    confirmLabel: { type: String, default: 'Confirm' },
    cancelLabel: { type: String, default: 'Cancel' },
    tone: { type: String as PropType<'danger' | 'primary'>, default: 'danger' },
    busy: { type: Boolean, default: false },
    /** Disables the confirm button (e.g. while a typed confirmation does not match). */
    confirmDisabled: { type: Boolean, default: false },
  },
  emits: ['confirm', 'cancel'],
  setup(props, { emit, slots }) {
    const id = `dialog-${++dialogSeq}`;
    const box = ref<HTMLElement | null>(null);
    const cancelButton = ref<HTMLButtonElement | null>(null);
    let returnFocus: HTMLElement | null = null;

    const cancel = () => {
      if (!props.busy) emit('cancel');
    };

    function onKeydown(e: KeyboardEvent): void {
      if (!props.open) return;
      if (e.key === 'Escape') {
        e.preventDefault();
        e.stopPropagation();
        cancel();
        return;
      }
      if (e.key !== 'Tab' || !box.value) return;
      const items = [...box.value.querySelectorAll<HTMLElement>(FOCUSABLE)];
      if (items.length === 0) {
        e.preventDefault();
        return;
      }
      const first = items[0]!;
      const last = items[items.length - 1]!;
      const active = document.activeElement as HTMLElement | null;
      const inside = active !== null && box.value.contains(active);
      if (e.shiftKey && (active === first || !inside)) {
        e.preventDefault();
        last.focus();
      } else if (!e.shiftKey && (active === last || !inside)) {
        e.preventDefault();
        first.focus();
      }
    }

    watch(
      () => props.open,
      async (open) => {
        if (open) {
          returnFocus = document.activeElement as HTMLElement | null;
          document.addEventListener('keydown', onKeydown, true);
          await nextTick();
          cancelButton.value?.focus();
        } else {
          document.removeEventListener('keydown', onKeydown, true);
          const target = returnFocus;
          returnFocus = null;
          if (target && document.contains(target)) target.focus();
        }
      },
      { immediate: true },
    );
    onBeforeUnmount(() => document.removeEventListener('keydown', onKeydown, true));

    return () =>
      props.open
        ? h(
            'div',
            {
              class: 'dialog-backdrop',
              onMousedown: (e: MouseEvent) => {
                if (e.target === e.currentTarget) cancel();
              },
            },
            h(
              'div',
              {
                ref: box,
                class: ['dialog', `dialog-${props.tone}`],
                role: 'alertdialog',
                'aria-modal': 'true',
                'aria-labelledby': `${id}-title`,
                'aria-describedby': `${id}-body`,
                'data-testid': 'confirm-dialog',
              },
              [
                h('h2', { id: `${id}-title`, class: 'dialog-title' }, props.title),
                h('div', { id: `${id}-body`, class: 'dialog-body' }, slots.default?.()),
                h('div', { class: 'dialog-actions' }, [
                  h(
                    'button',
                    {
                      ref: cancelButton,
                      type: 'button',
                      class: 'btn',
                      disabled: props.busy,
                      'data-testid': 'confirm-no',
                      onClick: cancel,
                    },
                    props.cancelLabel,
                  ),
                  h(
                    'button',
                    {
                      type: 'button',
                      class: ['btn', props.tone === 'danger' ? 'btn-danger' : 'btn-primary'],
                      disabled: props.busy || props.confirmDisabled,
                      'data-testid': 'confirm-yes',
                      onClick: () => emit('confirm'),
                    },
                    props.busy ? 'Working…' : props.confirmLabel,
                  ),
                ]),
              ],
            ),
          )
        : null;
  },
});
