import { createApp } from 'vue';
import App from './App.vue';
import { router } from './router.ts';
import { i18n, setLocale, localeChoice, localeReady } from './i18n/index.ts';
import './style.css';

void setLocale(localeChoice.value);
// the router restores the session meanwhile; the shell's first render waits for the user's texts
// (a language other than English is a chunk of its own, fetched in parallel with the session)
const app = createApp(App).use(i18n).use(router);
await localeReady();
app.mount('#app');
