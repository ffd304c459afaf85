import { test as setup } from '@playwright/test';
import { openRegistration } from '../helpers';

// Runs before every other spec (the `setup` project they depend on), so each spec can run alone
// and in any order: ADMIN is the shared server's first account (its administrator), and
// registration is open for the people the specs register. Both steps are idempotent.
setup('the first account is the administrator and registration is open', async ({ browser }) => {
  await openRegistration(browser);
});
