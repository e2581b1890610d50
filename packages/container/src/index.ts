export { TrawlContainer, createContainer, type ContainerHealth, type ComponentHealth } from './container.js';
export { loadSettings, describeSettings, type TrawlSettings, type TrawlSettingsInput } from './settings.js';
