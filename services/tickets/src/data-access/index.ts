export { OrderRepository, type OrderRepositoryOptions, type StalePendingSweep } from './order-repository';
export { TicketRepository } from './ticket-repository';
export type {
  NewOrder,
  OrderRecord,
  OrderSettlement,
  OrderStatus,
  Settlement,
  SettledOrder,
  TicketPosition,
  TicketRecord,
  TicketStatus,
} from './records';
