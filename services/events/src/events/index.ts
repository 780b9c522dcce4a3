export { subscribePurchaseConsumers, EVENTS_GROUP } from './purchase-consumers';
