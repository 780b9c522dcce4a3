export { loadConfig, ConfigError, deepFreeze, describeIssues, commaList, portNumber } from './load-config';
