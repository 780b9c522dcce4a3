export { loadConfig, ConfigError, describeIssues, commaList, portNumber } from './load-config';
