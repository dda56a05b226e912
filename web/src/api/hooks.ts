import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import { request } from './client';
import { MeQuery } from './documents';
import { ApiError, splitErrors, type ApiErrorItem } from './errors';
import type { ResultOf } from './graphql';

export type Me = ResultOf<typeof MeQuery>['me'];
export type MyOrg = Me['organizations'][number];

export const ME_KEY = ['me'] as const;

/** Retries a failed query once, unless retrying cannot help. */
export function retryOnce(count: number, error: unknown): boolean {
  if (error instanceof ApiError) {
    if (error.items.some((i) => ['UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'BAD_USER_INPUT', 'GRAPHQL'].includes(i.code)))
      return false;
  }
  return count < 1;
}

export function useMe() {
  return useQuery({
    queryKey: ME_KEY,
    queryFn: async () => (await request(MeQuery)).me,
    retry: retryOnce,
    staleTime: 60_000,
  });
}

export function isUnauthenticated(error: unknown): boolean {
  return error instanceof ApiError && error.has('UNAUTHENTICATED');
}

export interface ActionState<V, R> {
  run: (vars: V) => void;
  runAsync: (vars: V) => Promise<R>;
  pending: boolean;
  succeeded: boolean;
  data: R | undefined;
  /** BAD_USER_INPUT messages by form field. */
  fieldErrors: Record<string, string>;
  /** the other errors, for the form's error box. */
  errors: ApiErrorItem[];
  retry: () => void;
  reset: () => void;
}

/**
 * A mutation bound to a form: field errors go next to their fields
 * (`fields` lists those the form shows), the rest to an error box with
 * a Retry button that sends the same request again.
 */
export function useAction<V, R>(
  fn: (vars: V) => Promise<R>,
  opts: {
    fields?: readonly string[];
    aliases?: Record<string, string>;
    onSuccess?: (data: R, vars: V) => void | Promise<void>;
    invalidate?: readonly (readonly unknown[])[];
  } = {},
): ActionState<V, R> {
  const qc = useQueryClient();
  const m = useMutation<R, unknown, V>({
    mutationFn: fn,
    onSuccess: async (data, vars) => {
      for (const key of opts.invalidate ?? []) await qc.invalidateQueries({ queryKey: key });
      await opts.onSuccess?.(data, vars);
    },
  });
  const split = m.error ? splitErrors(m.error, opts.fields ?? [], opts.aliases) : { fields: {}, rest: [] };
  const { mutate, mutateAsync, variables, reset } = m;
  const retry = useCallback(() => {
    if (variables !== undefined) mutate(variables);
  }, [mutate, variables]);
  return {
    run: mutate,
    runAsync: mutateAsync,
    pending: m.isPending,
    succeeded: m.isSuccess,
    data: m.data,
    fieldErrors: split.fields,
    errors: split.rest,
    retry,
    reset,
  };
}
