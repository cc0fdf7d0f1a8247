// Renders the SVG icons to the PNGs Electron and electron-builder need, with Debian's chromium:
//   node build/icons/render-icons.mjs
import { readFile, readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const dir = fileURLToPath(new URL('./', import.meta.url));
const targets = [
  ['icon.svg', 'icon.png', 1024],
  ...(await readdir(dir))
    .filter((f) => f.startsWith('tray-') && f.endsWith('.svg'))
    .flatMap((f) => [
      [f, f.replace('.svg', '.png'), 32],
      [f, f.replace('.svg', '@2x.png'), 64],
    ]),
];

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--headless', '--disable-gpu'],
});
try {
  for (const [source, output, size] of targets) {
    const page = await browser.newPage({ viewport: { width: size, height: size } });
    const svg = await readFile(new URL(source, `file://${dir}`), 'utf8');
    await page.setContent(
      `<html><body style="margin:0;background:transparent">${svg.replace('<svg ', `<svg width="${size}" height="${size}" `)}</body></html>`,
    );
    await page.screenshot({ path: `${dir}${output}`, omitBackground: true });
    await page.close();
    console.log(`${output} (${size} px)`);
  }
} finally {
  await browser.close();
}
