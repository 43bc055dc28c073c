/**
 * Callers that never load workflow code (the intake API, activities, the setup script) start and
 * search workflows by type name (workflows/messages.ts `WorkflowType`): each name must be a workflow
 * the worker registers, and every workflow it registers must have its name there.
 */
import * as workflows from '../../workflows';
import { WorkflowType } from '../../workflows/messages';

it('names exactly the workflows the worker registers', () => {
  const registered = Object.entries(workflows).map(([exported, fn]) => [exported, (fn as { name: string }).name]);
  // The SDK registers each under its export name; the function's own name is the same.
  expect(registered.filter(([exported, name]) => exported !== name)).toEqual([]);
  expect(registered.map(([exported]) => exported).sort()).toEqual(Object.values(WorkflowType).sort());
});
