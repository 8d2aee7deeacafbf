/** The trace's namespaces are the shared ones (src/core/route/namespaces.ts), which the model's host links read too. */
export * from '../route/namespaces';
