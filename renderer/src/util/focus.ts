/** Moves the keyboard focus to the element with this id, when there is one. */
export function focusById(id: string): void {
  document.getElementById(id)?.focus();
}
