export { platformEnvSchema, serviceEnvSchema, type PlatformEnv } from './platform-env';
export {
  SERVICE_NAMES,
  DEFAULT_PORTS,
  topologyFileSchema,
  buildTopology,
  loadTopology,
  readTopologyFile,
  type ServiceName,
  type ServiceTopology,
  type Topology,
  type TopologyFile,
} from './topology';
