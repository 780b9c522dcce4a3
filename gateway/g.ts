import { writeFileSync } from 'node:fs';
import { openApiDocument as d } from './src';
writeFileSync('/tmp/openapi.json', JSON.stringify(d));
