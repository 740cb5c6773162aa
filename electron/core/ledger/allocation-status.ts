/**
 * The seed's getAllocationStatus() shape, exactly. Amounts are numbers here because that is the
 * seed's report format; the ledger itself keeps decimals, and the IPC contract sends decimal strings.
 */
export interface AllocationStatus {
  totalBalance: number;
  totalReserved: number;
  availableBalance: number;
  allocationPercentage: number;
  reservations: Array<{
    symbol: string;
    reservedAmount: number;
    timestamp: string;
    orderId: string;
  }>;
}
