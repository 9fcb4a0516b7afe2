/**
 * The sources of the task list. Adding a kind of task is one entry here: a `TaskSource` (source.ts) written
 * beside the module that owns the work.
 */
import { followUpTasks, planActionTasks } from '../incidents/follow-up-tasks.js'
import { caseStepTasks } from '../incidents/step-tasks.js'
import { referralTasks } from '../referrals/tasks.js'
import type { TaskSource } from './source.js'

export const taskSources: readonly TaskSource[] = [caseStepTasks, followUpTasks, planActionTasks, referralTasks]
