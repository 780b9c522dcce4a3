export * from './purchase-messages';
