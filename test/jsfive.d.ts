// jsfive ships no type declarations; the layout test uses its File class untyped.
declare module 'jsfive';
