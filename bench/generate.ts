// Generate (once) the benchmark's Glific database in its persistent embedded cluster, without
// measuring anything: `npx tsx bench/generate.ts [--messages N] [--orgs 20] [--days 60]`.
// bench/run.ts then finds the data there and only measures.
import { parseArgs } from 'node:util';
import { openBenchData } from './data.ts';

const { values: a } = parseArgs({ options: { messages: { type: 'string', default: '2000000' }, orgs: { type: 'string', default: '20' }, days: { type: 'string', default: '60' } } });
const data = await openBenchData({ messages: Number(a.messages), orgs: Number(a.orgs), days: Number(a.days) });
console.error(`${data.total} messages in ${data.url.replace(/:[^:@/]*@/, ':***@')}`);
await data.close();
