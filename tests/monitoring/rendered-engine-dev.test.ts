// dev's rendered rule file and database dashboard follow its database engine (./rendered-engine.ts).
import { describeRenderedEngine } from "./rendered-engine";

describeRenderedEngine("dev");
