import { chooseChromium, launchChromium } from '../lib/browser';

/**
 * The browser tests need no browser installed by hand: without CHROMIUM_PATH and without a
 * system Chromium, they run the one `npm ci` installed (@sparticuz/chromium).
 */
describe('the Chromium the browser tests run', () => {
  test('when no system Chromium is found, then the packaged one is unpacked and renders a page', async () => {
    const choice = await chooseChromium({}, []);
    expect(choice.source).toBe('@sparticuz/chromium');
    const browser = await launchChromium(choice);
    try {
      const page = await browser.newPage();
      await page.setContent('<p id="greeting">rendered</p><script>document.title = "ran"</script>');
      expect(await page.textContent('#greeting')).toBe('rendered');
      expect(await page.title()).toBe('ran');
    } finally {
      await browser.close();
    }
  });

  test('when CHROMIUM_PATH names a file, then it is used; when it names nothing, then the error says so', async () => {
    await expect(chooseChromium({ CHROMIUM_PATH: process.execPath })).resolves.toMatchObject({
      executablePath: process.execPath,
      source: 'CHROMIUM_PATH',
    });
    await expect(chooseChromium({ CHROMIUM_PATH: '/nonexistent/chromium' })).rejects.toThrow(
      'CHROMIUM_PATH=/nonexistent/chromium: no such file',
    );
  });
});
