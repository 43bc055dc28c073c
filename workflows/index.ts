// Every workflow the worker runs. Deterministic code only (see README "Workflow rules").
export {};
