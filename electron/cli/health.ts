export { describeHealth } from '../app/health-lines';
