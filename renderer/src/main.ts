import { createPinia } from 'pinia';
import { createApp } from 'vue';
import App from './App.vue';
import { createApi, provideApi } from './api';
import { createAppRouter } from './router';
import { startSync } from './stores/sync';
import { useUiStore } from './stores/ui';
import './styles.css';

// The launch token is taken out of the address before the router reads the hash.
provideApi(createApi({ validate: import.meta.env.DEV }));

const app = createApp(App);
const pinia = createPinia();
app.use(pinia);
app.use(createAppRouter());
useUiStore(pinia);
startSync();
app.mount('#app');
