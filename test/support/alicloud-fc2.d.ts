// @alicloud/fc2 ships no types; the test that documents why it is not used only needs it untyped.
declare module '@alicloud/fc2';
