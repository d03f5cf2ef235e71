// A page whose module throws while it loads, before it exposes anything.
import { expose } from '../../src/browser/in-page';

const config = JSON.parse('{"broken": true}') as { broken: boolean };
if (config.broken) throw new Error('the page could not start');
expose({});
