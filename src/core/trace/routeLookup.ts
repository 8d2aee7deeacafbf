/** The trace's route choice is the shared one (src/core/route/routeLookup.ts), which the model's host links use too. */
export * from '../route/routeLookup';
