// Every workflow the worker runs. Deterministic code only (docs/architecture.md).
export { deliveryWorkflow } from './delivery';
export { reconcileWorkflow } from './reconcile';
export { strayJobWorkflow } from './strayJob';
