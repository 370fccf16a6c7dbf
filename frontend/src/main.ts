import { createApp } from 'vue';
import App from './App.vue';
import { router } from './router.ts';
import { i18n, setLocale, localeChoice } from './i18n/index.ts';
import './style.css';

setLocale(localeChoice.value);
createApp(App).use(i18n).use(router).mount('#app');
