import type { ScenarioName } from '../options';
import { browse } from './browse';
import { mixed } from './mixed';
import { rush } from './rush';
import type { Scenario } from './scenario';
import { signup } from './signup';

export const SCENARIOS: Readonly<Record<ScenarioName, Scenario>> = { browse, signup, rush, mixed };
export type { Scenario, ScenarioContext, PreparedScenario, VirtualUser } from './scenario';
