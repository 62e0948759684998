// staging's rendered Alertmanager configuration delivers every routed alert (./alert-routes.ts).
import { describeAlertRoutes } from "./alert-routes";

describeAlertRoutes("staging", "https://alerts.toolboxai.example/alertmanager");
