// dev's rendered Alertmanager configuration delivers every routed alert (./alert-routes.ts).
import { describeAlertRoutes } from "./alert-routes";

describeAlertRoutes("dev", "http://alert-sink:8080");
