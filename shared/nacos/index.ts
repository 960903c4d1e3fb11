// Owned by the Nacos check (issue 4): runNacosCheck and the NacosReport schema.
export { NacosConfig } from './config.ts';
