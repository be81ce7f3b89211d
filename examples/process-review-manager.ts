// The tutorial's Manager review (数据共享Manager:dict,list), as test/seed/python/manager_dict_list.py:
// processes change a shared dict and list through a manager; with the manager's lock, the
// dict's counter loses no update.
import { Manager, Process } from 'skein/multiprocessing';
import { command } from './cli.ts';

command({
  program: 'examples/process-review-manager.ts',
  summary:
    "The tutorial's Manager review (数据共享Manager:dict,list), as test/seed/python/manager_dict_list.py: processes change a shared dict and list through a manager; with the manager's lock, the dict's counter loses no update.",
});

await using m = await Manager();
const d = await m.dict<string, number>({ count: 20 });
const l = await m.list<number>();
const lock = await m.Lock();
const ps = Array.from(
  { length: 20 },
  (_, i) =>
    new Process({
      target: async (d, l, lock, i: number) => {
        await lock.run(async () => {
          await d.set('count', (await d.get('count'))! - 1);
        });
        await l.append(i);
      },
      args: [d, l, lock, i],
    }),
);
for (const p of ps) p.start();
for (const p of ps) await p.join();
console.log('count', await d.get('count'));
console.log('list', `[${(await l.copy()).sort((a, b) => a - b).join(', ')}]`);
console.log('len', await l.length());
