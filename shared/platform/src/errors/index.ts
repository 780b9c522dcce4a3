export { AppError, isAppError, type ErrorBody } from './app-error';
export { ERROR_CATALOGUE, statusOf, type ErrorCode } from './error-catalogue';
export { errorMiddleware, notFoundMiddleware, sendError, toAppError, fromZodError } from './error-middleware';
export { notFound } from './not-found';
export { parseInput } from './validate';
