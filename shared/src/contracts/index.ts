export * from './purchase-messages';
export * from './http';
