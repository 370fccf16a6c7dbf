import { createApp } from 'vue';
import App from './App.vue';
import { router } from './router.ts';
import { setLocale, localeChoice } from './i18n/index.ts';
import './style.css';

setLocale(localeChoice.value);
createApp(App).use(router).mount('#app');
