export { knownScenarioNames, loadScenario, type AnyScenario, type LoadedScenario, type ScenarioHost } from "./load.js";
export { BUILT_IN_SCENARIOS } from "./builtIn.js";
