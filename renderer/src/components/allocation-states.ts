/** The words for a reservation's state (and the available part) in the allocation bar and tables. */
export const STATE_LABELS = {
  reserved: 'Reserved',
  buying: 'Buying',
  protected: 'Protected',
  exiting: 'Exiting',
  available: 'Available',
} as const;
