import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { problemResponses, ref } from '../../platform/schemas.js'
import { scoped } from '../../platform/work.js'
import { TaskPageSchema, TaskQuery } from './schemas.js'
import { taskPage } from './service.js'

export default async function taskRoutes(app: FastifyInstance) {
  const route = app.withTypeProvider<TypeBoxTypeProvider>()

  route.get(
    '/v1/me/tasks',
    {
      config: { permission: 'incidents:read' },
      schema: {
        operationId: 'listMyTasks',
        tags: ['incidents'],
        summary: 'Your work, most urgent first: case steps due, follow-ups, support-plan actions and referrals',
        description:
          'Overdue tasks first, then by due instant (ties by kind and id). Only cases in your units: a ward officer ' +
          'sees their wards’, a district officer the district’s. Follow-ups and plan actions are those assigned to you ' +
          'or to nobody; a plan action is listed once, from the follow-up its approval scheduled. ' +
          'Labels carry no names or notes. See docs/casework.md, "The task list".',
        querystring: TaskQuery,
        response: { 200: ref(TaskPageSchema, 'A page of tasks'), ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => scoped(request, (work) => taskPage(work, request.query)),
  )
}
