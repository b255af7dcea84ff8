import { describe, expect, test } from 'vitest'
import { DashboardSchema } from '../../src/domain/dashboard.js'
import { DIALECTS, useStoreTarget } from './harness.js'

/** Issue 17, done-when 2: dashboards in the store (migration 0012_dashboards), on both dialects. */

const { name, ...definition } = DashboardSchema.parse({
  name: 'team',
  title: 'Team overview',
  params: [{ name: 'project', default: 'QA' }],
  panels: [
    { id: 'open', query: 'open-issues', x: 0, y: 0, width: 6, height: 3 },
    { id: 'by-status', query: 'by-status', template: { type: 'table' }, x: 6, y: 0, width: 6, height: 3 },
  ],
})

for (const dialect of DIALECTS) {
  describe(`dashboards (${dialect})`, () => {
    const target = useStoreTarget(dialect)

    test('a dashboard is stored and reads back whole, and survives reopening the store', async () => {
      const store = await target().open()
      await store.dashboards.create({ name, definition })
      await store.close()
      const again = await target().open()
      expect((await again.dashboards.get('team'))?.definition).toEqual(definition)
      expect((await again.dashboards.list()).map((d) => d.name)).toEqual(['team'])
    })

    test('an update replaces the definition and can rename; a taken or missing name is a coded error', async () => {
      const store = await target().open()
      await store.dashboards.create({ name, definition })
      await store.dashboards.create({ name: 'other', definition: { panels: [] } })
      const moved = await store.dashboards.update('team', {
        name: 'team-2',
        definition: { ...definition, title: 'Renamed' },
      })
      expect(moved).toMatchObject({ name: 'team-2', definition: { title: 'Renamed' } })
      expect(await store.dashboards.get('team')).toBeUndefined()
      await expect(store.dashboards.create({ name: 'other', definition })).rejects.toMatchObject({
        code: 'QUARRY_DASHBOARD_EXISTS',
      })
      await expect(store.dashboards.update('team-2', { name: 'other', definition })).rejects.toMatchObject({
        code: 'QUARRY_DASHBOARD_EXISTS',
      })
      await expect(store.dashboards.update('nope', { definition })).rejects.toMatchObject({
        code: 'QUARRY_DASHBOARD_NOT_FOUND',
      })
      await expect(store.dashboards.remove('nope')).rejects.toMatchObject({
        code: 'QUARRY_DASHBOARD_NOT_FOUND',
      })
    })

    test('each change is audited under the kind dashboard, with what changed', async () => {
      const store = await target().open()
      await store.dashboards.create({ name, definition })
      await store.dashboards.update('team', { definition: { ...definition, title: 'Renamed' } })
      await store.dashboards.remove('team')
      const audited = await store.audit.list({ kind: 'dashboard' })
      expect(audited.map((entry) => entry.action).sort()).toEqual(['create', 'remove', 'update'])
      const update = audited.find((entry) => entry.action === 'update')
      expect(JSON.stringify(update?.changes)).toContain('Renamed')
    })

    test('a renamed query takes its panels along; other panels stay', async () => {
      const store = await target().open()
      await store.datasources.create({ name: 'api', type: 'rest', config: {}, secrets: {} })
      await store.queries.create({ name: 'open-issues', datasource: 'api', definition: { path: '/issues' } })
      await store.dashboards.create({ name, definition })
      await store.queries.update('open-issues', { name: 'open-bugs' })
      const panels = ((await store.dashboards.get('team'))?.definition as typeof definition).panels
      expect(panels.map((panel) => panel.query)).toEqual(['open-bugs', 'by-status'])
    })
  })
}
