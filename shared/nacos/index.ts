// The Nacos check (issue 4): public API. Everything else in shared/nacos is internal.
export { type NacosCheckOptions, runNacosCheck } from './check.ts';
export {
  NACOS_STEPS,
  NacosConfig,
  type NacosConfigInput,
  NacosStepName,
  NacosThresholds,
  NacosTls,
} from './config.ts';
export type { NacosDeps, NacosGrpcClient, NacosGrpcFactory } from './context.ts';
export { NACOS_GENERATIONS, NacosGeneration } from './generation.ts';
export { renderNacosText } from './render.ts';
export {
  NACOS_FAILURE_CLASSES,
  NacosFailureClass,
  NacosReport,
  NacosStep,
  NacosStepError,
  NacosStepStatus,
} from './report.ts';
