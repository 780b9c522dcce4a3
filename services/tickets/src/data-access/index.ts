export { OrderStore, type SettlementItem } from './order-store';
export { TicketStore } from './ticket-store';
export type {
  NewOrder,
  OrderRecord,
  OrderStatus,
  Settlement,
  SettledOrder,
  TicketPosition,
  TicketRecord,
  TicketStatus,
} from './records';
