export { subscribePurchaseConsumers, TICKETS_GROUP } from './purchase-consumers';
