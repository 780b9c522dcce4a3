export { AppError, isAppError, type ErrorBody } from './app-error';
export { ERROR_CATALOGUE, type ErrorCode } from './error-catalogue';
export { errorMiddleware, sendError, toAppError } from './error-middleware';
export { notFound } from './not-found';
export { parseInput } from './validate';
