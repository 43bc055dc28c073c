// Every workflow the worker runs. Deterministic code only (README "Workflow rules").
export { deliveryWorkflow } from './delivery';
