export { runDoctor, type DoctorOptions } from './doctor';
export { referenceImplementation } from './reference';
export { formatReport } from './report';
export { CHECK_IDS, CHECK_GROUPS, isErrorFree, type DoctorReport, type Evidence, type EvidencePlot, type Finding, type Severity } from './types';
