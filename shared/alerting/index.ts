// Owned by alerting (issue 5): processAlerts and the channels.
export { AlertingConfig } from './config.ts';
