// Every workflow the worker runs. Deterministic code only (README "The delivery workflow").
export { deliveryWorkflow } from './delivery';
export { reconcileWorkflow } from './reconcile';
export { strayJobWorkflow } from './strayJob';
